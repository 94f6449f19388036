from django.urls import path

from kefu.visits import review_views, survey_views, views

app_name = "visits"
urlpatterns = [
    path("", views.today, name="today"),
    path("review/", review_views.review_list, name="review"),
    path("surveys/", survey_views.surveys, name="surveys"),
    path("surveys/<int:pk>/", survey_views.survey_detail, name="survey"),
    path("surveys/<int:pk>/rounds/", survey_views.round_open, name="survey_round_open"),
    path("surveys/rounds/<int:pk>/", survey_views.round_detail, name="survey_round"),
    path("surveys/rounds/<int:pk>/close/", survey_views.round_close, name="survey_round_close"),
    path("surveys/rounds/<int:pk>/print/", survey_views.round_print, name="survey_round_print"),
    path("surveys/invitations/<int:pk>/paper/", survey_views.paper_answer, name="survey_paper"),
    path("<int:pk>/report/", review_views.report, name="report"),
    path("<int:pk>/extension/", review_views.extension, name="extension"),
    path("<int:pk>/review/", review_views.review, name="review_report"),
    path("<int:pk>/extension/decide/", review_views.extension_decide, name="extension_decide"),
    path("<int:pk>/flag/", review_views.flag, name="flag"),
    path("<int:pk>/", views.task_detail, name="task"),
    path("<int:pk>/reschedule/", views.reschedule, name="reschedule"),
    path("<int:pk>/show-number/", views.show_number, name="show_number"),
]
