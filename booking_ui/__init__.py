"""The phone page for online booking (/booking): templates and static files."""
