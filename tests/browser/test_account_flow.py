"""A new activist registers with an invite code, logs in, switches language, logs out."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from training.demo import DEMO_INVITE_CODE


def test_register_login_switch_language_logout(live_server, page, shot):
    page.goto(live_server + "/")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    shot(page, "home")

    page.get_by_role("link", name="Зарегистрироваться").first.click()
    page.get_by_label("Код приглашения").fill(DEMO_INVITE_CODE.lower())  # typed in any case
    page.get_by_label("Имя пользователя").fill("novichok")
    page.get_by_label("Ваше имя (необязательно)").fill("Нина Новикова")
    page.get_by_label("Пароль", exact=True).fill("tri-slova-podryad")
    page.get_by_label("Повторите пароль").fill("tri-slova-podryad")
    shot(page, "register-form")
    page.get_by_role("button", name="Создать учётную запись").click()
    expect(page.get_by_text("Первичная организация школы № 1")).to_be_visible()
    shot(page, "registered")

    page.get_by_role("button", name="Выйти").click()
    nav = page.get_by_role("navigation")
    expect(nav.get_by_role("link", name="Войти")).to_be_visible()
    nav.get_by_role("link", name="Войти").click()
    page.get_by_label("Имя пользователя").fill("NoviChok")
    page.get_by_label("Пароль").fill("tri-slova-podryad")
    page.get_by_role("button", name="Войти").click()
    expect(page.get_by_role("link", name="Личный кабинет")).to_be_visible()
    shot(page, "logged-in")

    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("link", name="My account")).to_be_visible()
    page.get_by_role("link", name="My account").click()  # the choice sticks on the next page
    expect(page.locator("h1")).to_have_text("My account")
    shot(page, "english")

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_text("You have logged out.")).to_be_visible()
    expect(nav.get_by_role("link", name="Log in")).to_be_visible()
    shot(page, "logged-out")


def test_wrong_password_is_explained_in_place(live_server, page, shot):
    page.goto(live_server + "/account/login")
    page.get_by_label("Имя пользователя").fill("learner")
    page.get_by_label("Пароль").fill("not-the-password")
    page.get_by_role("button", name="Войти").click()
    expect(page.get_by_text("Неверное имя пользователя или пароль.")).to_be_visible()
    expect(page.get_by_label("Пароль")).to_have_attribute("aria-invalid", "true")
    shot(page, "wrong-password")


def test_keyboard_user_can_skip_to_content(live_server, page):
    page.goto(live_server + "/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Перейти к содержанию")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main$"))
