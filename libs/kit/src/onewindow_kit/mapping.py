"""Map a table model to its ``…Public`` schema by the schema's own field list.

``to_schema(ProceedingPublic, proceeding, status_label=…)`` reads every field the schema declares
from the object's attribute of the same name, takes the computed, renamed or decrypted ones from
the keywords, and validates the lot with ``from_attributes`` (nested schemas map themselves too).
Adding a column is then a model field, a migration and a schema field — not a fourth list of names
in a mapper. A schema field the object does not have and no keyword supplies fails loudly (unless
the field has a default); so does a keyword the schema does not declare.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

S = TypeVar("S", bound=BaseModel)

_MISSING = object()


def to_schema(schema: type[S], obj: object, /, **computed: Any) -> S:
    """``schema`` built from ``obj``'s attributes, with ``computed`` supplying or overriding fields."""
    fields = schema.model_fields
    unknown = computed.keys() - fields.keys()
    if unknown:
        raise TypeError(f"{schema.__name__} has no field(s) {sorted(unknown)}")
    data: dict[str, Any] = {}
    for name, field in fields.items():
        key = field.alias or name
        if name in computed:
            data[key] = computed[name]
            continue
        value = getattr(obj, name, _MISSING)
        if value is not _MISSING:
            data[key] = value
        elif field.is_required():
            raise AttributeError(f"{type(obj).__name__} has no {name!r} for {schema.__name__}; pass {name}=…")
    return schema.model_validate(data, from_attributes=True)
