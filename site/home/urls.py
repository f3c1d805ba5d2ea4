"""The member's own data: /me/data/ (the readable page), its JSON download, the erasure."""

from django.urls import path

from . import views

app_name = "home"

urlpatterns = [
    path("me/data/", views.my_data, name="my_data"),
    path("me/data/espresso-my-data.json", views.my_data_download, name="my_data_download"),
    path("me/data/erase/", views.account_erase, name="account_erase"),
    path("account-erased/", views.account_erased, name="account_erased"),
]
