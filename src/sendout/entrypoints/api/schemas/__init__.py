"""Request bodies: the only place pydantic lives, one module per resource (mirroring
``routes/``). Each model converts to domain values.

Models are strict (a number where a string belongs is a 400, not a silent conversion) and
ignore unknown keys, as Voucherify does; the shared bases are in ``common``.

The rule: a body is validated one way, at the edge. A route reads its body only through
``deps.parse_body`` into one of these models (never ``request.json()``, never by reaching
into the raw JSON itself), and the model checks the shape: types, required fields, lengths,
bounds, with pydantic's messages. The model hands the use case domain values (``to_draft``,
``to_request``, ``to_ref``), or, for the parts whose meaning depends on what is stored (a
reward's parameters against its type, an earning rule merged with the current one, a
provider's settings against its fields, a campaign's update against its kind), the JSON
object that the domain's parser reads inside the use case, after the 404 checks it
depends on. Why pydantic: it is what the API mostly uses (every body, most of them as
typed models), it documents each body in the OpenAPI schema from the same declaration, and
its messages are the ones the API has always answered.
"""
