"""The pieces the FilterSets (``negotiations.filtersets``) are built from, after django-filter's
own layout: ``widgets`` (HTML inputs), ``fields`` (form fields that read the URL's values) and
``filters`` (the filters and the filter declarations several FilterSets share); ``active``
reads a list page's filters in use back as removable items."""
