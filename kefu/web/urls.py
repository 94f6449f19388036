from django.contrib.auth import views as auth_views
from django.urls import path

from kefu.web import case_views, combined_views, customer_views, search_views, views
from kefu.web.accounts import LoginView

app_name = "web"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("views/", views.queue_views_view, name="queue_views"),
    path("export.xlsx", views.queue_export, name="queue_export"),
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("intake/", views.intake, name="intake"),
    path("intake/customers/", views.intake_customers, name="intake_customers"),
    path("intake/options/", views.intake_options, name="intake_options"),
    path("search/", search_views.search_view, name="search"),
    path("customers/<str:code>/", customer_views.customer_detail, name="customer"),
    path("unit/", views.unit_view, name="unit"),
    path("board/", views.board_view, name="board"),
    path("board/remind/<int:clock_id>/", views.board_remind_view, name="board_remind"),
    path("inbox/", views.inbox_view, name="inbox"),
    path("inbox/count/", views.inbox_count_view, name="inbox_count"),
    path("inbox/read/", views.inbox_read_view, name="inbox_read_all"),
    path("inbox/<int:pk>/read/", views.inbox_read_view, name="inbox_read"),
    path("cases/<str:number>/", case_views.case_detail, name="case"),
    path("cases/<str:number>/transition/<slug:name>/", case_views.case_transition_view, name="case_transition"),
    path(
        "cases/<str:number>/transition/<slug:name>/then/<slug:then>/",
        combined_views.case_establish_route_view,
        name="case_establish_route",
    ),
    path("cases/<str:number>/operation/<slug:op>/", case_views.case_operation_view, name="case_operation"),
    path("cases/<str:number>/clocks/<int:clock_id>/extend/", case_views.case_extend_view, name="case_extend"),
    path("cases/<str:number>/classification/", case_views.case_classify_view, name="case_classify"),
    path("cases/<str:number>/fields/", case_views.case_fields_view, name="case_fields"),
    path("cases/<str:number>/clocks/<int:clock_id>/promise/", case_views.case_promise_view, name="case_promise"),
    path("cases/<str:number>/reveal/", case_views.case_reveal_view, name="case_reveal"),
    path("cases/<str:number>/attachments/<int:pk>/", case_views.case_attachment_view, name="case_attachment"),
]
