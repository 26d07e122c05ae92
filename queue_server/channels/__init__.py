"""Channels to visitors outside the building (WhatsApp): one small interface, one adapter per
provider. ``build.channel_for`` picks the adapter from the site file and the environment."""
