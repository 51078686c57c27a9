from django.urls import reverse

from roadcredit.accounts.roles import Role


def test_the_login_page_is_in_chinese(client, db):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "登录" in text and "密码" in text
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_a_clerk_logs_in_and_sees_the_workbench(client, personas):
    response = client.post(
        reverse("accounts:login"), {"username": "clerk", "password": "roadcredit-demo"}, follow=True
    )
    assert response.status_code == 200
    assert "工作台" in response.content.decode()
    assert personas[Role.CLERK].get_full_name() == "王窗口"
    assert "王窗口（窗口受理人员）" in response.content.decode()


def test_a_wrong_password_is_refused_in_chinese(client, personas):
    response = client.post(reverse("accounts:login"), {"username": "clerk", "password": "nope"})
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()
