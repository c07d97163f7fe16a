"""Events (Veranstaltungen): venues, organisers, public API and iCalendar feeds."""
