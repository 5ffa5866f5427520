#!/usr/bin/env python3
"""Writes the RSS feeds of this folder, each in the legacy encoding its XML prolog declares.

The articles are made up for newsclean's tests. Each item carries residue a scraper's feed carries
(a related-link line, a photo credit, an HTML entity or leftover tag, a share prompt) and text that
must be kept (its title among it). Run it from anywhere: `python3 testdata/feeds/make_feeds.py`.
"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))

FEEDS = {
    "koi8-r.rss": ("koi8-r", "Городские новости", [
        ("Трамвайная линия откроется весной",
         "<p>Новая трамвайная линия соединит вокзал и университет, сообщили в мэрии.</p>"
         "<p>Читайте также: Мэрия утвердила бюджет на следующий год</p>"
         "<p>Строители обещают закончить работы к апрелю.</p>"),
        ("Библиотека продлила часы работы",
         "<![CDATA[<p>Центральная библиотека будет открыта до десяти вечера.</p><p>Фото: Иван Петров / ТАСС</p>]]>"),
    ]),
    "windows-1251.rss": ("windows-1251", "Новости региона", [
        ("Рубль укрепился к концу недели",
         "&lt;p&gt;Рубль укрепился к доллару на торгах в пятницу.&lt;/p&gt;"
         "&lt;p&gt;Смотрите также: Центробанк сохранил ключевую ставку&lt;/p&gt;"
         "&lt;p&gt;Аналитики ждут стабильности до конца месяца.&lt;/p&gt;"),
        ("Фестиваль соберёт тысячи гостей",
         "<![CDATA[<p>Летний фестиваль пройдёт в парке с пятницы по воскресенье.</p>]]>"),
    ]),
    "gb2312.rss": ("gb2312", "城市新闻", [
        ("地铁新线路明年开通",
         "<![CDATA[<p>新的地铁线路将连接火车站和大学，市政府表示。</p><p>相关阅读：市政府公布明年预算</p><p>工程预计明年四月完工。</p>]]>"),
        ("图书馆延长开放时间",
         "<![CDATA[<p>中心图书馆将开放到晚上十点。</p><p>图片来源：新华社</p>]]>"),
    ]),
    "euc-kr.rss": ("euc-kr", "도시 뉴스", [
        ("새 지하철 노선 내년 개통",
         "<![CDATA[<p>새 지하철 노선이 기차역과 대학을 연결한다고 시청이 밝혔다.&nbsp;</p><p>Related: City approves next year's budget</p><p>공사는 내년 4월에 끝날 예정이다.</p>]]>"),
        ("도서관 운영 시간 연장",
         "<![CDATA[<p>중앙 도서관은 밤 10시까지 문을 연다.</p><p>Photo: Kim Minsu / Yonhap</p>]]>"),
    ]),
}


def rss(encoding, channel, items):
    parts = [f'<?xml version="1.0" encoding="{encoding}"?>\n', '<rss version="2.0">\n<channel>\n',
             f"<title>{channel}</title>\n<link>https://news.example/?lang=x&amp;edition=1</link>\n"]
    for number, (title, body) in enumerate(items, 1):
        parts.append(f"<item>\n<title>{title}</title>\n<link>https://news.example/story?id={number}&amp;ref=rss</link>\n"
                     f"<guid>https://news.example/story/{number}</guid>\n<pubDate>Mon, 0{number} Jun 2026 09:00:00 +0000</pubDate>\n"
                     f"<description>{body}</description>\n</item>\n")
    parts.append("</channel>\n</rss>\n")
    return "".join(parts)


for name, (encoding, channel, items) in FEEDS.items():
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(rss(encoding, channel, items).encode(encoding))
