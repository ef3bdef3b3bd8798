"""Catalog data kept in both languages with django-modeltranslation.

A chapter's name, description and synonyms get one column per language (``name_en``, ``name_es``), all
on the chapter's own row: the catalog is small and curated, every query that reads a chapter
reads its Spanish name with it, and the admin shows both side by side. ``chapter.name`` reads
the current language's column, falling back to English.

User-written text (notes, summaries) is never translated: it records its language instead.
"""

import simple_history
from modeltranslation.translator import TranslationOptions, translator

from .models import Chapter


class ChapterTranslation(TranslationOptions):
    fields = ("name", "description", "synonyms")


translator.register(Chapter, ChapterTranslation)

# The audit trail is registered after the translated fields exist, so that the historical
# model has them too (django-simple-history copies the model's fields when it is created).
simple_history.register(Chapter)
