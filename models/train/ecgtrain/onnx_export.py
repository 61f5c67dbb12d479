"""Keras 3 models of 1D-CNN layers (Sequential or functional, one or more inputs) as ONNX graphs
with the same weights.

The graph has the shape tf2onnx emits for channels-last Keras models: convolutions, batch
norms and pools run channels-first between Transpose nodes, and a tensor is transposed back to
channels-last before Flatten so that the Dense weights keep their order.
"""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

_ACTIVATIONS = {"relu": "Relu", "sigmoid": "Sigmoid", "tanh": "Tanh", "softmax": "Softmax", "elu": "Elu"}
_CHANNELS_FIRST = {"Conv1D", "MaxPooling1D", "AveragePooling1D", "GlobalAveragePooling1D"}


class _Graph:
    def __init__(self):
        self.nodes, self.inits, self.count = [], [], 0

    def name(self, base):
        self.count += 1
        return f"{base}_{self.count}"

    def const(self, base, array):
        n = self.name(base)
        self.inits.append(numpy_helper.from_array(np.asarray(array, dtype=np.float32), n))
        return n

    def node(self, op, inputs, base, **attrs):
        out = self.name(base)
        self.nodes.append(helper.make_node(op, inputs, [out], name=out, **attrs))
        return out


class _Tensor:
    """A graph value and its layout: "nwc" (Keras' channels-last), "ncw" or "nc" (2D)."""

    def __init__(self, name, layout):
        self.name, self.layout = name, layout


def _history(value):
    """The (layer, node, tensor) references of a functional config's inbound node arguments."""
    if isinstance(value, dict):
        if value.get("class_name") == "__keras_tensor__":
            return [tuple(value["config"]["keras_history"])]
        return [h for v in value.values() for h in _history(v)]
    if isinstance(value, (list, tuple)):
        return [h for v in value for h in _history(v)]
    return []


def _layer_inputs(model):
    """Input layer names of every layer, in call order."""
    config = model.get_config()
    if "layers" not in config or not any("inbound_nodes" in layer for layer in config["layers"]):
        # Sequential: each layer takes the previous one's output.
        names = [layer.name for layer in model.layers]
        return {name: ([names[i - 1]] if i else ["__input__"]) for i, name in enumerate(names)}
    inputs = {}
    for layer in config["layers"]:
        nodes = layer.get("inbound_nodes") or []
        inputs[layer["name"]] = [h[0] for h in _history(nodes[0]["args"])] if nodes else []
    return inputs


def _to(g, t, layout):
    if t.layout == layout or t.layout == "nc":
        return t
    return _Tensor(g.node("Transpose", [t.name], f"to_{layout}", perm=[0, 2, 1]), layout)


def _activation(g, x, activation, layer):
    if activation in (None, "linear"):
        return x
    if activation not in _ACTIVATIONS:
        raise ValueError(f"activation {activation} of layer {layer}")
    attrs = {"axis": -1} if activation == "softmax" else {}
    return g.node(_ACTIVATIONS[activation], [x], f"{layer}_{activation}", **attrs)


def _convert(g, layer, args):
    kind, cfg = type(layer).__name__, layer.get_config()
    w = layer.get_weights()
    if kind in _CHANNELS_FIRST:
        x = _to(g, args[0], "ncw")
    elif kind in ("Flatten", "Concatenate"):
        args = [_to(g, a, "nwc") for a in args]
        x = args[0]
    else:
        x = args[0]
    if kind == "Conv1D":
        if cfg["padding"] != "valid":
            raise ValueError(f"padding {cfg['padding']} of {layer.name}: only valid padding is converted")
        kernel = np.transpose(w[0], (2, 1, 0))  # (k, cin, cout) -> (cout, cin, k)
        inputs = [x.name, g.const(layer.name + "_W", kernel)] + ([g.const(layer.name + "_B", w[1])] if cfg["use_bias"] else [])
        y = g.node("Conv", inputs, layer.name, kernel_shape=[kernel.shape[2]], strides=list(cfg["strides"]),
                   dilations=list(cfg["dilation_rate"]), group=cfg["groups"])
        return _Tensor(_activation(g, y, cfg["activation"], layer.name), "ncw")
    if kind == "BatchNormalization":
        x = _to(g, x, "ncw")
        gamma, beta, mean, var = w if cfg["scale"] and cfg["center"] else _full_batchnorm(cfg, w)
        y = g.node("BatchNormalization", [x.name, g.const(layer.name + "_scale", gamma), g.const(layer.name + "_bias", beta),
                                          g.const(layer.name + "_mean", mean), g.const(layer.name + "_var", var)],
                   layer.name, epsilon=float(cfg["epsilon"]))
        return _Tensor(y, x.layout)
    if kind in ("MaxPooling1D", "AveragePooling1D"):
        if cfg["padding"] != "valid":
            raise ValueError(f"padding {cfg['padding']} of {layer.name}: only valid padding is converted")
        op = "MaxPool" if kind == "MaxPooling1D" else "AveragePool"
        return _Tensor(g.node(op, [x.name], layer.name, kernel_shape=list(cfg["pool_size"]), strides=list(cfg["strides"])), "ncw")
    if kind == "GlobalAveragePooling1D":
        y = g.node("GlobalAveragePool", [x.name], layer.name)
        return _Tensor(g.node("Flatten", [y], layer.name + "_flat", axis=1), "nc")
    if kind == "Flatten":
        return _Tensor(g.node("Flatten", [x.name], layer.name, axis=1), "nc")
    if kind == "Dense":
        y = g.node("Gemm", [x.name, g.const(layer.name + "_W", w[0]), g.const(layer.name + "_B", w[1])], layer.name)
        return _Tensor(_activation(g, y, cfg["activation"], layer.name), "nc")
    if kind == "Concatenate":
        if any(a.layout != args[0].layout for a in args):
            raise ValueError(f"{layer.name} joins tensors of different ranks")
        return _Tensor(g.node("Concat", [a.name for a in args], layer.name, axis=-1), args[0].layout)
    if kind == "Dropout":
        return _Tensor(g.node("Dropout", [x.name], layer.name), x.layout)
    if kind == "Activation":
        return _Tensor(_activation(g, x.name, cfg["activation"], layer.name), x.layout)
    raise ValueError(f"layer {kind} ({layer.name}) is not handled by the converter")


def _full_batchnorm(cfg, w):
    """Scale and offset of a batch norm that learns neither (1 and 0)."""
    weights = list(w)
    c = weights[-1].shape[0]
    gamma = weights.pop(0) if cfg["scale"] else np.ones(c)
    beta = weights.pop(0) if cfg["center"] else np.zeros(c)
    return gamma, beta, weights[0], weights[1]


def keras_to_onnx(model, output_name="probabilities", opset=17):
    """An onnx.ModelProto computing what `model` computes, with inputs named as the model's
    Input layers and one output `output_name`."""
    g = _Graph()
    inputs = _layer_inputs(model)
    values, graph_inputs = {}, []
    for tensor in model.inputs:
        name = tensor.name
        shape = ["N"] + list(tensor.shape[1:])
        graph_inputs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, shape))
        layout = "nwc" if len(shape) == 3 else "nc"
        values[name] = _Tensor(name, layout)
    if len(model.inputs) == 1:
        values["__input__"] = values[model.inputs[0].name]
    for layer in model.layers:
        if type(layer).__name__ == "InputLayer":
            values[layer.name] = values[layer.output.name]
            continue
        args = [values[name] for name in inputs[layer.name]]
        values[layer.name] = _convert(g, layer, args)
    last = _to(g, values[model.layers[-1].name], "nwc")
    g.nodes.append(helper.make_node("Identity", [last.name], [output_name], name="output"))
    graph = helper.make_graph(
        g.nodes, model.name, graph_inputs,
        [helper.make_tensor_value_info(output_name, TensorProto.FLOAT, ["N", model.output_shape[-1]])], g.inits)
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="ecgd models/train")
    proto.ir_version = 8
    onnx.checker.check_model(proto)
    return proto
