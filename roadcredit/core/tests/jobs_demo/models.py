from django.db import models


class DemoRow(models.Model):
    """One row per number a demo job has handled; deliberately without a unique constraint, so a
    chunk applied twice would show up as duplicate rows instead of an error."""

    job_public_id = models.CharField(max_length=16, db_index=True)
    number = models.IntegerField()
    square = models.BigIntegerField()

    class Meta:
        app_label = "jobs_demo"
        ordering = ["number"]

    def __str__(self) -> str:
        return f"{self.job_public_id} #{self.number}"
