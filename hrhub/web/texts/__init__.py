"""Page texts in English and Chinese, one module per page family (see hrhub/web/i18n.py)."""
