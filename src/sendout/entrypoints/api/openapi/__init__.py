"""The OpenAPI document's response schemas (documentation only) and its assembly."""
