"""The OpenAPI says which fields every answer carries.

marshmallow marks a field `required` only for loading, so the document named no field of an
answer required, and a generated client typed every one as optional (`id?: number`). Our
answers are dumped whole: every field of an answer's schema is there, null where it has no
value. tests/openapi_check.py holds every API test's answer to it.
"""

from apispec import APISpec


def name_them(spec: APISpec) -> None:
    """Mark every property of the schemas that only answers use as required; a schema that
    requests use too (a journey document, a survey's questions) keeps its own, which are what
    a request must send. Run once every blueprint is registered."""
    document = spec.to_dict()
    in_answers = _reached(document, _parts(document["paths"], "responses"))
    in_requests = _reached(document, _parts(document["paths"], "requestBody", "parameters"))
    schemas = spec.components.schemas
    for name in sorted(in_answers - in_requests):
        if name not in schemas:
            continue  # a response component, not a schema
        properties = schemas[name].get("properties", {})
        always = [key for key, field in properties.items() if not field.get("writeOnly")]
        if always:
            schemas[name]["required"] = always


def _parts(paths: dict, *sections: str) -> list:
    return [
        operation.get(section)
        for operations in paths.values()
        for operation in operations.values()
        if isinstance(operation, dict)
        for section in sections
    ]


def _reached(document: dict, roots: list) -> set[str]:
    """The names of the components the roots refer to, and those they refer to in turn."""
    components = {**document["components"].get("schemas", {})}
    components |= document["components"].get("responses", {})
    names: set[str] = set()
    waiting = list(roots)
    while waiting:
        item = waiting.pop()
        if isinstance(item, dict):
            ref = item.get("$ref")
            if isinstance(ref, str):
                name = ref.rpartition("/")[2]
                if name not in names:
                    names.add(name)
                    waiting.append(components.get(name))
            waiting.extend(value for key, value in item.items() if key != "$ref")
        elif isinstance(item, list):
            waiting.extend(item)
    return names
