from django.db import models

__all__ = ("TimeStampedModel",)


class TimeStampedModel(models.Model):
    """Creation and modification times for every business record."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
