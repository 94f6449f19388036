from django.urls import path

from kefu.visits import review_views, views

app_name = "visits"
urlpatterns = [
    path("", views.today, name="today"),
    path("review/", review_views.review_list, name="review"),
    path("<int:pk>/report/", review_views.report, name="report"),
    path("<int:pk>/extension/", review_views.extension, name="extension"),
    path("<int:pk>/review/", review_views.review, name="review_report"),
    path("<int:pk>/extension/decide/", review_views.extension_decide, name="extension_decide"),
    path("<int:pk>/flag/", review_views.flag, name="flag"),
    path("<int:pk>/", views.task_detail, name="task"),
    path("<int:pk>/reschedule/", views.reschedule, name="reschedule"),
    path("<int:pk>/show-number/", views.show_number, name="show_number"),
]
