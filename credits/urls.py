"""URLs of the credits pages (included at the site root, before Wagtail's pages)."""

from django.urls import path

from . import views

app_name = "credits"

urlpatterns = [
    path("me/credits/", views.statement, name="statement"),
    path("me/credits/statement.csv", views.statement_csv, name="statement_csv"),
    path("me/credits/passes/<id:pk>/", views.daypass_detail, name="daypass_detail"),
    path("me/credits/passes/<id:pk>/cancel/", views.daypass_cancel_view,
         name="daypass_cancel"),
    path("credits/spaces/<id:space_id>/day-pass/", views.daypass_buy_view, name="daypass_buy"),
    path("credits/spaces/<id:space_id>/", views.space_credits, name="space"),
    path("credits/spaces/<id:space_id>/validate/", views.space_validate,
         name="space_validate"),
    path("credits/spaces/<id:space_id>/top-up/", views.space_topup, name="space_topup"),
    path("credits/transparency/", views.transparency, name="transparency"),
    path("network/grants/", views.grant, name="grant"),
    path("network/clearing/", views.clearing, name="clearing"),
    path("network/clearing.csv", views.clearing_csv, name="clearing_csv"),
]
