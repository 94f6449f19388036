"""Pages of take-back repairs, photos and maintenance contracts.

* The order page's photo form posts here; its hidden `upload_id` is chosen when the page is drawn,
  so sending the same form again (a weak connection) adds the photo once.
* The take-back receipt (取件单, D11 6) is a printable page.
* Maintenance contracts: the list (expiring soonest first) and one contract with its equipment, the
  orders under it, the expiry notice and the renewal visit.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kefu.core.exceptions import ApplicationError
from kefu.core.uploads import download_response
from kefu.workorders import services
from kefu.workorders.models import TakeBack
from kefu.workorders.selectors import contract_orders, contracts_visible_to, orders_visible_to

__all__ = ("contract_detail", "contract_list", "photo_download", "photo_upload", "takeback_receipt")


@login_required
@require_POST
def photo_upload(request: HttpRequest, pk: int) -> HttpResponse:
    order = get_object_or_404(orders_visible_to(request.user), pk=pk)
    back = redirect("workorders:detail", pk=order.pk)
    file = request.FILES.get("file")
    if file is None:
        messages.error(request, _("Upload failed, please try again: %(reason)s") % {"reason": _("no photo arrived.")})
        return back
    size = request.POST.get("size", "")
    try:
        _photo, created = services.photo_add(
            order=order,
            actor=request.user,
            upload_id=request.POST.get("upload_id", ""),
            file=file,
            kind=request.POST.get("kind", ""),
            size=int(size) if size.isdigit() else None,
            caption=request.POST.get("caption", ""),
        )
    except ApplicationError as exc:
        details = "；".join(str(m) for errors in (exc.extra or {}).values() for m in errors)
        messages.error(request, f"{exc.message} {details}".strip())
        return back
    if created:
        messages.success(request, _("Photo added to the order."))
    else:
        messages.info(request, _("This photo was already added (the form was sent twice); it is kept once."))
    return back


@login_required
@require_GET
def photo_download(request: HttpRequest, pk: int, photo_pk: int) -> HttpResponse:
    order = get_object_or_404(orders_visible_to(request.user), pk=pk)
    photo = get_object_or_404(order.photos, pk=photo_pk)
    return download_response(photo.file, name=photo.name, content_type=photo.content_type)


@login_required
@require_GET
def takeback_receipt(request: HttpRequest, pk: int) -> HttpResponse:
    order = get_object_or_404(orders_visible_to(request.user).select_related("equipment"), pk=pk)
    takeback = TakeBack.objects.filter(order=order).select_related("received_by").first()
    if takeback is None:
        raise Http404
    return render(
        request,
        "workorders/receipt.html",
        {
            "order": order,
            "takeback": takeback,
            "movements": takeback.movements.select_related("actor", "corrects"),
            "repairs": takeback.repairs.select_related("technician"),
        },
    )


@login_required
@require_GET
def contract_list(request: HttpRequest) -> HttpResponse:
    contracts = contracts_visible_to(request.user)[:200]
    return render(request, "workorders/contracts.html", {"contracts": contracts})


@login_required
@require_GET
def contract_detail(request: HttpRequest, pk: int) -> HttpResponse:
    contract = get_object_or_404(contracts_visible_to(request.user).select_related("renewed_from"), pk=pk)
    renewal = contract.__class__.objects.filter(renewed_from=contract).first()
    return render(
        request,
        "workorders/contract.html",
        {
            "contract": contract,
            "renewal": renewal,
            "equipment": contract.equipment.all(),
            "orders": contract_orders(contract)[:100],
        },
    )
