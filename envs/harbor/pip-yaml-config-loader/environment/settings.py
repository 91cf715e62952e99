import yaml


def load(path):
    with open(path) as handle:
        return yaml.safe_load(handle)
