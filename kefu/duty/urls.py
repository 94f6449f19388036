from django.urls import path

from kefu.duty import views

app_name = "duty"
urlpatterns = [
    path("", views.home, name="home"),
    path("rosters/", views.roster_list, name="rosters"),
    path("rosters/<int:pk>/", views.roster_detail, name="roster"),
    path("rosters/<int:pk>/rotation/", views.roster_rotation, name="roster_rotation"),
    path("rosters/<int:pk>/shift/", views.roster_shift, name="roster_shift"),
    path("rosters/<int:pk>/publish/", views.roster_publish_view, name="roster_publish"),
    path("shifts/<int:pk>/check-in/", views.check_in, name="check_in"),
    path("shifts/<int:pk>/swap/", views.swap_new, name="swap_new"),
    path("swaps/<int:pk>/decide/", views.swap_decide_view, name="swap_decide"),
    path("swaps/<int:pk>/withdraw/", views.swap_withdraw_view, name="swap_withdraw"),
    path("handover/", views.handover, name="handover"),
    path("handover/<int:pk>/receive/", views.handover_receive_view, name="handover_receive"),
]
