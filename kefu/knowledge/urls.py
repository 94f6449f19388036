from django.urls import path

from kefu.knowledge import views

app_name = "knowledge"
urlpatterns = [
    path("", views.search, name="search"),
    path("articles/new/", views.article_edit, name="article_new"),
    path("articles/<int:pk>/", views.article_detail, name="article"),
    path("articles/<int:pk>/edit/", views.article_edit, name="article_edit"),
    path("articles/<int:pk>/solved/", views.article_solved, name="article_solved"),
    path("articles/<int:pk>/versions/<int:number>/", views.article_version, name="article_version"),
    path("articles/<int:pk>/versions/<int:number>/restore/", views.article_restore_view, name="article_restore"),
    path("templates/", views.template_list, name="templates"),
    path("templates/new/", views.template_edit, name="template_new"),
    path("templates/<int:pk>/edit/", views.template_edit, name="template_edit"),
    path("templates/<int:pk>/render/", views.template_render, name="template_render"),
    path("scripts/", views.script_list, name="scripts"),
    path("scripts/<slug:code>/", views.script_call, name="script_call"),
    path("phrases/", views.phrases, name="phrases"),
]

# The public help centre: no account needed, published public articles only.
help_urlpatterns = [
    path("", views.help_search, name="search"),
    path("<int:pk>/", views.help_article, name="article"),
]
