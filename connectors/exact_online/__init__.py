"""Exact Online connector: REST/OData API v1 with OAuth2 (docs: Exact Online REST API reference,
``https://start.exactonline.be/docs/HlpRestAPIResources.aspx``)."""
