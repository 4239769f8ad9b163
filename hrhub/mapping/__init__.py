"""The mapping engine: YAML field mappings, validated and compiled once, applied per record.

Imports neither Airflow nor connectors: steps, the CLI and tests call it directly.
"""

from hrhub.mapping.engine import (
    FieldRule,
    Mapping,
    MappingError,
    MappingFileError,
    load_mapping,
    mapping_path,
)
from hrhub.mapping.transforms import TRANSFORMS, TransformError, register_transform

__all__ = [
    "TRANSFORMS",
    "FieldRule",
    "Mapping",
    "MappingError",
    "MappingFileError",
    "TransformError",
    "load_mapping",
    "mapping_path",
    "register_transform",
]
