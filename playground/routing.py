"""Websocket URLs. One socket per page: /ws/playground/ carries every run message."""

from django.urls import path

from playground.core.consumers import PlaygroundConsumer

websocket_urlpatterns = [
    path("ws/playground/", PlaygroundConsumer.as_asgi()),
]
