"""A test source that does not import."""
import panoply
import module_that_does_not_exist  # noqa: F401

CONFIG = {"title": "Broken", "params": []}
