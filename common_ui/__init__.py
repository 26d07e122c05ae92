"""Front-end code every screen shares: served once at ``/static/common/`` (no Python here)."""
