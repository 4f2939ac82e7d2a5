"""The JSON API under /api/v1: one blueprint per domain; the OpenAPI document in api/openapi/."""
