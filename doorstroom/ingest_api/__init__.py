"""The ingest API: the document-processing service submits documents per office (JSON/XML)."""
