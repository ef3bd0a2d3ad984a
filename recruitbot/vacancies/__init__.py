"""The vacancy catalogue: feeds in, searches out.

``model`` holds the data (Vacancy, SearchCriteria, SearchResult, Widening); ``feeds`` reads
the two feed formats (with ``jsonld`` and ``records``); ``importer`` syncs a feed into the
database in one transaction; ``search`` holds the Catalogue; ``cli`` is the command line.
"""
