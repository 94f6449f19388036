from django.urls import path

from kefu.visits import views

app_name = "visits"
urlpatterns = [
    path("", views.today, name="today"),
    path("<int:pk>/", views.task_detail, name="task"),
    path("<int:pk>/reschedule/", views.reschedule, name="reschedule"),
    path("<int:pk>/show-number/", views.show_number, name="show_number"),
]
