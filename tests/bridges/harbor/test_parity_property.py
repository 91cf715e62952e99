"""Property: any sequence of harbor tool calls gives the same outcomes in process, in
simulation over /ws and in production over /mcp (the project's parity harness)."""

from __future__ import annotations

import pytest
from envbridge.bridges.harbor import load_target
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.bridges.harbor.support import TASKS_DIR
from tests.properties.parity import ParityHarness

names = st.sampled_from(["a.txt", "sub/b.txt", "/tmp/c", "../x", "/app/../y", ""])
text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=30)
calls = st.lists(
    st.one_of(
        st.tuples(st.just("write_file"), st.fixed_dictionaries({"path": names, "content": text})),
        st.tuples(st.just("read_file"), st.fixed_dictionaries({"path": names})),
        st.tuples(
            st.just("exec"),
            st.fixed_dictionaries(
                {"command": st.sampled_from(["ls -1 /app", "cat a.txt", "exit 4", "echo x >&2"])}
            ),
        ),
        st.tuples(st.just("exec"), st.fixed_dictionaries({"command": st.integers()})),
        st.tuples(st.just("nope"), st.just({})),
    ),
    max_size=5,
)


@pytest.fixture(scope="module")
def harness(bwrap_required):
    factory = load_target(str(TASKS_DIR / "hello-file"), {"backend": "local"})
    with ParityHarness(factory) as running:
        yield running


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(calls=calls)
def test_three_paths_agree_on_any_tool_calls(harness, calls):
    outcomes = harness.check([*calls, ("submit", {})])
    assert outcomes[-1][0] == "ok" and outcomes[-1][1]["reward"] in (0.0, 1.0)
