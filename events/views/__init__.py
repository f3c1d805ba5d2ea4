"""Views of the events app, one module per concept (`checkin`: the event day)."""
