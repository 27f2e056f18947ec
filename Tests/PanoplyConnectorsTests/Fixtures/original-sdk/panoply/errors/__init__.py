from .error_normalization import wrap_errors, set_internal_code, Phase
from .exceptions import PanoplyException, DataSourceException, IncorrectParamError, TokenValidationException
