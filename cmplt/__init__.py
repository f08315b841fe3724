"""cmplt: a complaint and callback registry (物业投诉与回访) kept as YAML files in git."""

__version__ = "0.1.0"
