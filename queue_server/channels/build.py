"""The channel a site uses, or ``None`` when WhatsApp is not set up (no ``[whatsapp]`` table,
or a secret missing from the environment): then the webhook answers 404 and nothing is
queued."""

from __future__ import annotations

import logging

from queue_server.channels.base import Channel
from queue_server.channels.http_gateway import HttpGateway
from queue_server.channels.whatsapp_cloud import WhatsAppCloud
from queue_server.settings import WhatsAppSecrets
from queue_server.site import WhatsAppSettings

log = logging.getLogger("loket.whatsapp")


def channel_for(config: WhatsAppSettings | None, secrets: WhatsAppSecrets) -> Channel | None:
    if config is None:
        return None
    if config.provider == "http":
        if not (secrets.token and secrets.app_secret):
            log.warning("WhatsApp is off: LOKET_WHATSAPP_TOKEN and LOKET_WHATSAPP_APP_SECRET "
                        "must be set for the http gateway")
            return None
        return HttpGateway(config.api_base_url, token=secrets.token,
                           app_secret=secrets.app_secret)
    if not secrets.complete:
        log.warning("WhatsApp is off: LOKET_WHATSAPP_TOKEN, LOKET_WHATSAPP_APP_SECRET and "
                    "LOKET_WHATSAPP_VERIFY_TOKEN must all be set")
        return None
    return WhatsAppCloud(config.api_base_url, config.phone_number_id, token=secrets.token,
                         app_secret=secrets.app_secret, verify_token=secrets.verify_token)
