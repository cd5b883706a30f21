"""Train the full credit-risk model, a small PyTorch MLP, and export it to ONNX.

The exported graph takes the raw feature columns (FEATURES in common.py, float32) and returns the
probability of default: the input standardisation is part of the model. The export is checked
with ONNX Runtime, whose predictions give the reported `auc` and `accuracy`. Runs on a GPU when
there is one, and under torch.distributed when launched with several processes (WORLD_SIZE > 1).

  python train_fullmodel.py --train prepared/ --onnx model/model.onnx
"""
import argparse
import json
import os

import numpy as np
import onnx
import onnxruntime
import torch
import torch.distributed as dist
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from torch.utils.data.distributed import DistributedSampler

from common import FEATURES, features_and_label, log_params, read_prepared, roc_auc, write_metrics


class MLP(nn.Module):
    def __init__(self, mean, std, hidden):
        super().__init__()
        self.register_buffer("mean", mean)
        self.register_buffer("std", std)
        self.net = nn.Sequential(
            nn.Linear(len(mean), hidden), nn.ReLU(), nn.Dropout(0.1),
            nn.Linear(hidden, hidden), nn.ReLU(),
            nn.Linear(hidden, 1),
        )

    def forward(self, x):                     # log-odds of default
        return self.net((x - self.mean) / self.std).squeeze(-1)


def main():
    parser = argparse.ArgumentParser(description="Train the PyTorch credit-risk model and export ONNX.")
    parser.add_argument("--train", required=True, help="prepared folder (train.csv, test.csv) or a CSV")
    parser.add_argument("--onnx", required=True, help="path of the ONNX file to write")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    distributed = int(os.environ.get("WORLD_SIZE", "1")) > 1
    if distributed:
        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
    rank = dist.get_rank() if distributed else 0
    device = torch.device(f"cuda:{int(os.environ.get('LOCAL_RANK', 0))}" if torch.cuda.is_available() else "cpu")
    torch.manual_seed(args.seed)

    train, test = read_prepared(args.train)
    x_train, y_train = (torch.tensor(a.to_numpy()) for a in features_and_label(train))
    x_test, y_test = features_and_label(test)
    model = MLP(x_train.mean(0), x_train.std(0).clamp_min(1e-6), args.hidden).to(device)
    net = nn.parallel.DistributedDataParallel(model) if distributed else model

    data = TensorDataset(x_train, y_train.float())
    sampler = DistributedSampler(data, seed=args.seed) if distributed else None
    loader = DataLoader(data, batch_size=args.batch_size, shuffle=sampler is None, sampler=sampler)
    optimiser = torch.optim.Adam(net.parameters(), lr=args.lr, weight_decay=1e-4)
    loss_fn = nn.BCEWithLogitsLoss()
    for epoch in range(args.epochs):
        if sampler:
            sampler.set_epoch(epoch)
        net.train()
        total, seen = 0.0, 0
        for xb, yb in loader:
            optimiser.zero_grad()
            loss = loss_fn(net(xb.to(device)), yb.to(device))
            loss.backward()
            optimiser.step()
            total, seen = total + loss.item() * len(xb), seen + len(xb)
        if rank == 0 and (epoch + 1) % 5 == 0:
            print(f"epoch {epoch + 1:3d}  loss {total / seen:.4f}")

    if rank == 0:
        # Export probabilities, on the CPU, with a variable batch size. eval() on the whole
        # module: the export puts back the training flags it found, and Dropout must stay off.
        exported = nn.Sequential(model.cpu(), nn.Sigmoid()).eval()
        os.makedirs(os.path.dirname(os.path.abspath(args.onnx)), exist_ok=True)
        torch.onnx.export(exported, torch.zeros(1, len(FEATURES)), args.onnx, opset_version=17,
                          input_names=["features"], output_names=["probability"],
                          dynamic_axes={"features": {0: "batch"}, "probability": {0: "batch"}})
        onnx.checker.check_model(onnx.load(args.onnx))
        with open(os.path.join(os.path.dirname(os.path.abspath(args.onnx)), "features.json"), "w") as f:
            json.dump(FEATURES, f)

        features = x_test.to_numpy(dtype=np.float32)
        session = onnxruntime.InferenceSession(args.onnx, providers=["CPUExecutionProvider"])
        scores = session.run(None, {"features": features})[0]
        with torch.no_grad():
            expected = exported(torch.from_numpy(features)).numpy()
        assert np.allclose(scores, expected, atol=1e-5), "ONNX Runtime disagrees with PyTorch"
        print(f"exported {args.onnx}; ONNX Runtime matches PyTorch on {len(features)} test rows")
        log_params({"epochs": args.epochs, "lr": args.lr, "hidden": args.hidden})
        write_metrics({"auc": roc_auc(y_test, scores),
                       "accuracy": float(((scores >= 0.5) == y_test.to_numpy()).mean())})
    if distributed:
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
