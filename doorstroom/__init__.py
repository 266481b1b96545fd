"""Doorstroom: documents flow from the document service into each dossier's accounting package."""
