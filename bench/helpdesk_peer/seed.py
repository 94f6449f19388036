"""The peer's bench data: one staff user (the API's TicketViewSet admits staff only) with the password
bench/register_peer.py logs in with, and one queue; prints the queue's id. Safe to run again.

    PYTHONPATH=bench/helpdesk_peer DJANGO_SETTINGS_MODULE=settings $PEER_VENV/bin/python bench/helpdesk_peer/seed.py
"""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from helpdesk.models import Queue  # noqa: E402

username = os.environ.get("PEER_USERNAME", "agent1")
password = os.environ.get("PEER_PASSWORD", "kefu-demo")
user, _ = get_user_model().objects.get_or_create(username=username, defaults={"email": f"{username}@example.com"})
user.is_staff = True
user.is_active = True
user.set_password(password)
user.save()
queue, _ = Queue.objects.get_or_create(slug="kefu-bench", defaults={"title": "客服压测队列"})
print(f"staff user {username}, queue {queue.slug} id {queue.pk}")
