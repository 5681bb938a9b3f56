"""One module per checklist step: pure computation returning result objects."""
