"""Release history: ``collect release VERSION`` freezes data/, ``collect release import``
brings in the published pages' history (see :mod:`perfcore.releases` for the layout)."""
