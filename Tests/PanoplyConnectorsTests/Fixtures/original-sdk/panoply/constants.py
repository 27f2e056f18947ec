__version__ = "3.2.0"
__package_name__ = "panoply-python-sdk"
