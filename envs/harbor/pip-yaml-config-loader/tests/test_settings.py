import pytest
import settings


def write(tmp_path, text):
    path = tmp_path / "s.yaml"
    path.write_text(text)
    return path


def test_defaults(tmp_path):
    assert settings.load(write(tmp_path, "name: x\n")) == {
        "name": "x",
        "host": "127.0.0.1",
        "port": 8000,
    }


def test_empty_file_gets_defaults(tmp_path):
    assert settings.load(write(tmp_path, "")) == {"host": "127.0.0.1", "port": 8000}


def test_explicit_values_win(tmp_path):
    assert settings.load(write(tmp_path, "host: 0.0.0.0\nport: 9000\n"))["port"] == 9000


@pytest.mark.parametrize("port", ["0", "70000", "'80'", "true"])
def test_bad_ports_are_refused(tmp_path, port):
    with pytest.raises(ValueError):
        settings.load(write(tmp_path, f"port: {port}\n"))
