"""The generated web UI machinery: sessions, CSRF, i18n, staff login, resources, layout."""
