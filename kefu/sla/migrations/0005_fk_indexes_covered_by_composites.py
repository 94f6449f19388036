# The foreign keys whose lookups a composite index starting with the same column already serves
# (clock_case_status, notice_once, notification_once_per_notice, inbox) lose their own index: one
# write less per swept clock, notice and notification (issue 12).

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0007_sealed_dates'),
        ('sla', '0004_format_v2'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='clock',
            name='case',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='clocks', to='cases.case'),
        ),
        migrations.AlterField(
            model_name='clocknotice',
            name='clock',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='notices', to='sla.clock'),
        ),
        migrations.AlterField(
            model_name='notification',
            name='notice',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='sla.clocknotice'),
        ),
        migrations.AlterField(
            model_name='notification',
            name='recipient',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='notifications', to=settings.AUTH_USER_MODEL),
        ),
    ]
