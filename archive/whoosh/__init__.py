"""The Whoosh engine: the embedded, zero-set-up index (the default).

Only this package imports `whoosh`. `archive.engine.open_archive` returns
`archive.whoosh.engine.WhooshArchive` unless the configuration names another engine.
"""
