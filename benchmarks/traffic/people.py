"""Buyers: Chinese names, resident ID numbers with their check digit, mobile numbers and addresses.

The district table holds real 6-digit administrative division codes (GB/T 2260) with their names;
a buyer's ID number starts with one, and the address is written in that district.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红"
    "娥玲芬燕彬建国子涵浩然欣怡梓萱宇轩思雨佳琪俊杰晨曦雅婷"
)
DISTRICTS: tuple[tuple[str, str], ...] = (
    ("110105", "北京市朝阳区"),
    ("110108", "北京市海淀区"),
    ("120101", "天津市和平区"),
    ("310104", "上海市徐汇区"),
    ("310115", "上海市浦东新区"),
    ("320106", "江苏省南京市鼓楼区"),
    ("320505", "江苏省苏州市虎丘区"),
    ("330106", "浙江省杭州市西湖区"),
    ("330110", "浙江省杭州市余杭区"),
    ("330212", "浙江省宁波市鄞州区"),
    ("350203", "福建省厦门市思明区"),
    ("370202", "山东省青岛市市南区"),
    ("420106", "湖北省武汉市武昌区"),
    ("430104", "湖南省长沙市岳麓区"),
    ("440106", "广东省广州市天河区"),
    ("440305", "广东省深圳市南山区"),
    ("500103", "重庆市渝中区"),
    ("510107", "四川省成都市武侯区"),
    ("610113", "陕西省西安市雁塔区"),
    ("210106", "辽宁省沈阳市铁西区"),
)
STREETS: tuple[str, ...] = ("人民路", "中山路", "解放路", "建设路", "和平路", "文化路")
STREETS += ("新华路", "长江路", "黄河路", "学院路", "科技路", "滨江路")
ESTATES = ["阳光花园", "锦绣家园", "翠苑", "世纪城", "金色家园", "绿城小区", "华庭", "东方明珠苑"]
MOBILE_PREFIXES = ("130", "133", "135", "136", "138", "139", "150", "152", "158", "177", "186", "188", "199")
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"


def id_check_digit(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of an 18-digit resident ID number (GB 11643)."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK[total % 11]


def id_number_valid(number: str) -> bool:
    return len(number) == 18 and number[:17].isdigit() and id_check_digit(number[:17]) == number[17]


@dataclass(frozen=True, slots=True)
class Buyer:
    name: str
    id_number: str
    telephone: str
    district: str
    address: str
    reg_no: str


def _name(rng: random.Random) -> str:
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


def _id_number(rng: random.Random, district: str) -> str:
    year, month = rng.randint(1965, 2004), rng.randint(1, 12)
    first17 = f"{district}{year}{month:02d}{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}"
    return first17 + id_check_digit(first17)


def _address(rng: random.Random, place: str) -> str:
    street, estate = rng.choice(STREETS), rng.choice(ESTATES)
    return f"{place}{street}{rng.randint(1, 999)}号{estate}{rng.randint(1, 30)}栋{rng.randint(101, 2802)}室"


def make_buyer(rng: random.Random, index: int) -> Buyer:
    """A buyer with a name, an ID number valid for its district, a mobile number and an address there."""
    district, place = rng.choice(DISTRICTS)
    telephone = rng.choice(MOBILE_PREFIXES) + f"{rng.randint(0, 99_999_999):08d}"
    return Buyer(
        name=_name(rng),
        id_number=_id_number(rng, district),
        telephone=telephone,
        district=district,
        address=_address(rng, place),
        reg_no=f"U{index:09d}",
    )
