"""The pieces of the 'TorchVision Object Detection Finetuning' tutorial that are plain PyTorch,
written as torchvision writes them: the PennFudan dataset's mask -> object ids -> per-object
binary masks -> boxes (torch.unique, mask == obj_ids[:, None, None], masks_to_boxes with
torch.where), area and iscrowd targets; torchvision.ops.boxes' box_convert, box_area,
_box_inter_union, box_iou, generalized_box_iou, clip_boxes_to_image, remove_small_boxes, a
greedy nms and _batched_nms_coordinate_trick; and torchvision's pure-PyTorch _roi_align
(_bilinear_interpolate with six-dimensional advanced indexing, adaptive sampling masks), run
forward and backward on a small feature map, then used to fit a tiny box-classification head."""
import torch
import torch.nn as nn


def masks_to_boxes(masks):
    if masks.numel() == 0:
        return torch.zeros((0, 4), device=masks.device, dtype=torch.float)
    n = masks.shape[0]
    bounding_boxes = torch.zeros((n, 4), device=masks.device, dtype=torch.float)
    for index, mask in enumerate(masks):
        y, x = torch.where(mask != 0)
        bounding_boxes[index, 0] = torch.min(x)
        bounding_boxes[index, 1] = torch.min(y)
        bounding_boxes[index, 2] = torch.max(x)
        bounding_boxes[index, 3] = torch.max(y)
    return bounding_boxes


def _upcast(t):
    if t.is_floating_point():
        return t if t.dtype in (torch.float32, torch.float64) else t.float()
    else:
        return t if t.dtype in (torch.int32, torch.int64) else t.int()


def _box_cxcywh_to_xyxy(boxes):
    cx, cy, w, h = boxes.unbind(-1)
    x1 = cx - 0.5 * w
    y1 = cy - 0.5 * h
    x2 = cx + 0.5 * w
    y2 = cy + 0.5 * h
    return torch.stack((x1, y1, x2, y2), dim=-1)


def _box_xyxy_to_cxcywh(boxes):
    x1, y1, x2, y2 = boxes.unbind(-1)
    cx = (x1 + x2) / 2
    cy = (y1 + y2) / 2
    w = x2 - x1
    h = y2 - y1
    return torch.stack((cx, cy, w, h), dim=-1)


def box_area(boxes):
    boxes = _upcast(boxes)
    return (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])


def _box_inter_union(boxes1, boxes2):
    area1 = box_area(boxes1)
    area2 = box_area(boxes2)
    lt = torch.max(boxes1[:, None, :2], boxes2[:, :2])  # [N,M,2]
    rb = torch.min(boxes1[:, None, 2:], boxes2[:, 2:])  # [N,M,2]
    wh = _upcast(rb - lt).clamp(min=0)  # [N,M,2]
    inter = wh[:, :, 0] * wh[:, :, 1]  # [N,M]
    union = area1[:, None] + area2 - inter
    return inter, union


def box_iou(boxes1, boxes2):
    inter, union = _box_inter_union(boxes1, boxes2)
    iou = inter / union
    return iou


def generalized_box_iou(boxes1, boxes2):
    inter, union = _box_inter_union(boxes1, boxes2)
    iou = inter / union
    lti = torch.min(boxes1[:, None, :2], boxes2[:, :2])
    rbi = torch.max(boxes1[:, None, 2:], boxes2[:, 2:])
    whi = _upcast(rbi - lti).clamp(min=0)  # [N,M,2]
    areai = whi[:, :, 0] * whi[:, :, 1]
    return iou - (areai - union) / areai


def clip_boxes_to_image(boxes, size):
    dim = boxes.dim()
    boxes_x = boxes[..., 0::2]
    boxes_y = boxes[..., 1::2]
    height, width = size
    boxes_x = boxes_x.clamp(min=0, max=width)
    boxes_y = boxes_y.clamp(min=0, max=height)
    clipped_boxes = torch.stack((boxes_x, boxes_y), dim=dim)
    return clipped_boxes.reshape(boxes.shape)


def remove_small_boxes(boxes, min_size):
    ws, hs = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    keep = (ws >= min_size) & (hs >= min_size)
    keep = torch.where(keep)[0]
    return keep


def nms(boxes, scores, iou_threshold):
    order = scores.argsort(descending=True)
    suppressed = torch.zeros(boxes.shape[0], dtype=torch.bool)
    iou = box_iou(boxes, boxes)
    keep = []
    for i in order.tolist():
        if suppressed[i]:
            continue
        keep.append(i)
        suppressed |= iou[i] > iou_threshold
    return torch.tensor(keep, dtype=torch.int64)


def _batched_nms_coordinate_trick(boxes, scores, idxs, iou_threshold):
    if boxes.numel() == 0:
        return torch.empty((0,), dtype=torch.int64, device=boxes.device)
    max_coordinate = boxes.max()
    offsets = idxs.to(boxes) * (max_coordinate + torch.tensor(1).to(boxes))
    boxes_for_nms = boxes + offsets[:, None]
    keep = nms(boxes_for_nms, scores, iou_threshold)
    return keep


def _bilinear_interpolate(input, roi_batch_ind, y, x, ymask, xmask):
    _, channels, height, width = input.size()
    y = y.clamp(min=0)
    x = x.clamp(min=0)
    y_low = y.int()
    x_low = x.int()
    y_high = torch.where(y_low >= height - 1, height - 1, y_low + 1)
    y_low = torch.where(y_low >= height - 1, height - 1, y_low)
    y = torch.where(y_low >= height - 1, y.to(input.dtype), y)

    x_high = torch.where(x_low >= width - 1, width - 1, x_low + 1)
    x_low = torch.where(x_low >= width - 1, width - 1, x_low)
    x = torch.where(x_low >= width - 1, x.to(input.dtype), x)

    ly = y - y_low
    lx = x - x_low
    hy = 1.0 - ly
    hx = 1.0 - lx

    def masked_index(y, x):
        if ymask is not None:
            assert xmask is not None
            y = torch.where(ymask[:, None, :], y, 0)
            x = torch.where(xmask[:, None, :], x, 0)
        return input[
            roi_batch_ind[:, None, None, None, None, None],
            torch.arange(channels, device=input.device)[None, :, None, None, None, None],
            y[:, None, :, None, :, None],  # prev [K, PH, IY]
            x[:, None, None, :, None, :],  # prev [K, PW, IX]
        ]  # [K, C, PH, PW, IY, IX]

    v1 = masked_index(y_low, x_low)
    v2 = masked_index(y_low, x_high)
    v3 = masked_index(y_high, x_low)
    v4 = masked_index(y_high, x_high)

    def outer_prod(y, x):
        return y[:, None, :, None, :, None] * x[:, None, None, :, None, :]

    w1 = outer_prod(hy, hx)
    w2 = outer_prod(hy, lx)
    w3 = outer_prod(ly, hx)
    w4 = outer_prod(ly, lx)

    val = w1 * v1 + w2 * v2 + w3 * v3 + w4 * v4
    return val


def _roi_align(input, rois, spatial_scale, pooled_height, pooled_width, sampling_ratio,
               aligned):
    orig_dtype = input.dtype
    _, _, height, width = input.size()

    ph = torch.arange(pooled_height, device=input.device)  # [PH]
    pw = torch.arange(pooled_width, device=input.device)  # [PW]

    roi_batch_ind = rois[:, 0].int()  # [K]
    offset = 0.5 if aligned else 0.0
    roi_start_w = rois[:, 1] * spatial_scale - offset  # [K]
    roi_start_h = rois[:, 2] * spatial_scale - offset  # [K]
    roi_end_w = rois[:, 3] * spatial_scale - offset  # [K]
    roi_end_h = rois[:, 4] * spatial_scale - offset  # [K]

    roi_width = roi_end_w - roi_start_w  # [K]
    roi_height = roi_end_h - roi_start_h  # [K]
    if not aligned:
        roi_width = torch.clamp(roi_width, min=1.0)  # [K]
        roi_height = torch.clamp(roi_height, min=1.0)  # [K]

    bin_size_h = roi_height / pooled_height  # [K]
    bin_size_w = roi_width / pooled_width  # [K]

    exact_sampling = sampling_ratio > 0

    roi_bin_grid_h = sampling_ratio if exact_sampling else torch.ceil(roi_height / pooled_height)
    roi_bin_grid_w = sampling_ratio if exact_sampling else torch.ceil(roi_width / pooled_width)

    if exact_sampling:
        count = max(roi_bin_grid_h * roi_bin_grid_w, 1)  # scalar
        iy = torch.arange(roi_bin_grid_h, device=input.device)  # [IY]
        ix = torch.arange(roi_bin_grid_w, device=input.device)  # [IX]
        ymask = None
        xmask = None
    else:
        count = torch.clamp(roi_bin_grid_h * roi_bin_grid_w, min=1)  # [K]
        iy = torch.arange(height, device=input.device)  # [IY]
        ix = torch.arange(width, device=input.device)  # [IX]
        ymask = iy[None, :] < roi_bin_grid_h[:, None]  # [K, IY]
        xmask = ix[None, :] < roi_bin_grid_w[:, None]  # [K, IX]

    def from_K(t):
        return t[:, None, None]

    y = (
        from_K(roi_start_h)
        + ph[None, :, None] * from_K(bin_size_h)
        + (iy[None, None, :] + 0.5).to(input.dtype) * from_K(bin_size_h / roi_bin_grid_h)
    )  # [K, PH, IY]
    x = (
        from_K(roi_start_w)
        + pw[None, :, None] * from_K(bin_size_w)
        + (ix[None, None, :] + 0.5).to(input.dtype) * from_K(bin_size_w / roi_bin_grid_w)
    )  # [K, PW, IX]
    val = _bilinear_interpolate(input, roi_batch_ind, y, x, ymask, xmask)

    if not exact_sampling:
        val = torch.where(ymask[:, None, None, None, :, None], val, 0)
        val = torch.where(xmask[:, None, None, None, None, :], val, 0)

    output = val.sum((-1, -2))  # remove IY, IX ~> [K, C, PH, PW]
    if isinstance(count, torch.Tensor):
        output /= count[:, None, None, None]
    else:
        output /= count

    output = output.to(orig_dtype)
    return output


torch.manual_seed(0)
# a PennFudan-style instance mask: 0 background, 1..3 pedestrians
mask = torch.zeros(24, 32, dtype=torch.uint8)
mask[2:12, 3:9] = 1
mask[5:20, 14:20] = 2
mask[10:22, 24:30] = 3
obj_ids = torch.unique(mask)
obj_ids = obj_ids[1:]
num_objs = len(obj_ids)
masks = (mask == obj_ids[:, None, None]).to(dtype=torch.uint8)
boxes = masks_to_boxes(masks)
area = (boxes[:, 3] - boxes[:, 1]) * (boxes[:, 2] - boxes[:, 0])
iscrowd = torch.zeros((num_objs,), dtype=torch.int64)
labels = torch.ones((num_objs,), dtype=torch.int64)
print(obj_ids, masks.shape, masks.dtype)
print(boxes, area, iscrowd, labels)

b1 = torch.tensor([[0.0, 0, 10, 10], [5, 5, 15, 15], [20, 20, 30, 40]])
b2 = torch.tensor([[0.0, 0, 10, 10], [8, 2, 18, 12]])
print(box_area(b1))
print(box_iou(b1, b2))
print(generalized_box_iou(b1, b2))
print(_box_xyxy_to_cxcywh(b1))
print(torch.allclose(_box_cxcywh_to_xyxy(_box_xyxy_to_cxcywh(b1)), b1))
print(clip_boxes_to_image(torch.tensor([[-3.0, 4, 40, 50], [1, -2, 8, 9]]), (24, 32)))
print(remove_small_boxes(torch.tensor([[0.0, 0, 1, 5], [0, 0, 5, 5], [2, 2, 2.5, 9]]), 1.0))

cand = torch.rand(12, 2) * 20
cand = torch.cat([cand, cand + 4 + torch.rand(12, 2) * 6], 1)
scores = torch.rand(12)
classes = torch.randint(0, 2, (12,))
print(nms(cand, scores, 0.3))
print(_batched_nms_coordinate_trick(cand, scores, classes, 0.3))

feat = torch.randn(2, 3, 12, 16, requires_grad=True)
rois = torch.tensor([[0, 1.0, 2.0, 9.0, 8.0], [1, 0.0, 0.0, 15.5, 11.5],
                     [0, 4.2, 3.7, 6.1, 5.3], [1, 20.0, 2.0, 30.0, 9.0]])
for sampling_ratio, aligned in ((2, False), (-1, False), (0, True)):
    out = _roi_align(feat, rois, 0.5, 3, 4, sampling_ratio, aligned)
    print(sampling_ratio, aligned, tuple(out.shape), out[:, 0, 1].detach().round(decimals=4))
out = _roi_align(feat, rois, 1.0, 2, 2, -1, True)
(out * torch.linspace(-1, 1, out.numel()).reshape(out.shape)).sum().backward()
print(feat.grad.abs().sum().round(decimals=4), feat.grad[0, 0, 2:5, 1:4].round(decimals=4))

# a small head on roi features: classify which half of the map a box sits in
head = nn.Sequential(nn.Flatten(), nn.Linear(3 * 2 * 2, 16), nn.ReLU(), nn.Linear(16, 2))
fmap = torch.randn(1, 3, 12, 16)
fmap[:, :, :, 8:] += 1.5
opt = torch.optim.SGD(head.parameters(), lr=0.1, momentum=0.9)
for step in range(30):
    xy = torch.rand(16, 2) * torch.tensor([12.0, 8.0])
    boxes = torch.cat([torch.zeros(16, 1), xy, xy + torch.tensor([4.0, 4.0])], 1)
    target = (boxes[:, 1] + 2.0 >= 8.0).long()
    logits = head(_roi_align(fmap, boxes, 1.0, 2, 2, 2, True))
    loss = nn.functional.cross_entropy(logits, target)
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 10 == 9:
        acc = (logits.argmax(1) == target).float().mean().item()
        print(f"step {step + 1} loss {loss.item():.4f} acc {acc:.3f}")
