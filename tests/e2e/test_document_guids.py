"""A document guid names one document of its message type, over HTTP (declarations.versions).

The pipeline sends its receipts by (message type, document guid): a guid given to a second
business key would have that document's receipts attached to the first (perhaps another
enterprise's). The same guid with other content under the same key stays a new version, and the
same guid in another message type stays allowed (the official samples share guids so).
"""

from __future__ import annotations

from datetime import timedelta

from declarations.codec import new_guid
from tests.e2e.builders import APP_TIME, inventory_list, order, receipts, statuses
from tests.e2e.conftest import Gateway

LATER = APP_TIME + timedelta(hours=1)


def test_a_guid_stored_for_another_order_number_is_refused_naming_the_guid_only(gateway: Gateway) -> None:
    shop, rival = gateway.shop, gateway.rival
    first = order(shop)
    assert gateway.post(shop.message("CEB311", [first]), shop).status_code == 202
    stored = gateway.stored()

    answer = gateway.post(rival.message("CEB311", [order(rival, guid=first.head.guid)]), rival)

    assert answer.status_code == 409, answer.text
    assert statuses(answer) == ["-301010"]
    (receipt,) = receipts(answer)
    assert receipt.return_info == f"系统唯一序号已被另一单证使用，请重新生成[guid={first.head.guid}]"
    assert first.head.order_no not in answer.text
    assert shop.code not in answer.text  # the other document's owner is not told
    assert gateway.stored() == stored
    assert gateway.documents_with_guid(first.head.guid) == 1


def test_a_guid_stored_for_another_list_is_refused_with_the_lists_duplicate_code(gateway: Gateway) -> None:
    shop = gateway.shop
    first = inventory_list(shop)
    assert gateway.post(shop.message("CEB621", [first]), shop).status_code == 202

    answer = gateway.post(shop.message("CEB621", [inventory_list(shop, guid=first.head.guid)]), shop)

    assert answer.status_code == 409, answer.text
    assert statuses(answer) == ["-621004"]


def test_one_guid_on_two_orders_of_one_message_accepts_the_first_only(gateway: Gateway) -> None:
    shop = gateway.shop
    guid = new_guid()
    documents = [order(shop), order(shop, guid=guid), order(shop, guid=guid)]
    before = gateway.stored()

    answer = gateway.post(shop.message("CEB311", documents), shop)

    assert answer.status_code == 202, answer.text
    assert statuses(answer) == ["2", "2", "-301010"]
    assert receipts(answer)[2].return_info.endswith(f"[guid={guid}]")
    assert gateway.documents_with_guid(guid) == 1
    assert gateway.stored() == (before[0] + 2, before[1] + 2)


def test_the_same_guid_with_other_content_for_the_same_order_is_a_new_version(gateway: Gateway) -> None:
    shop = gateway.shop
    first = order(shop)
    assert gateway.post(shop.message("CEB311", [first]), shop).status_code == 202
    changed = order(
        shop,
        guid=first.head.guid,
        order_no=first.head.order_no,
        app_type="2",
        app_time=LATER,
        consignee="新收件人",
    )

    answer = gateway.post(shop.message("CEB311", [changed]), shop)

    assert answer.status_code == 202, answer.text
    assert statuses(answer) == ["2"]
    assert receipts(answer)[0].return_info.startswith("变更申报成功")
    assert gateway.documents_with_guid(first.head.guid) == 2


def test_an_order_and_a_list_may_share_a_guid(gateway: Gateway) -> None:
    shop = gateway.shop
    guid = new_guid()

    placed = gateway.post(shop.message("CEB311", [order(shop, guid=guid)]), shop)
    listed = gateway.post(shop.message("CEB621", [inventory_list(shop, guid=guid)]), shop)

    assert (placed.status_code, listed.status_code) == (202, 202), listed.text
    assert (statuses(placed), statuses(listed)) == (["2"], ["2"])
    assert gateway.documents_with_guid(guid) == 2
