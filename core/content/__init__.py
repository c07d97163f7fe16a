"""Content in several languages: staff-written texts (events, exhibitions, consent texts, ...) per language."""
