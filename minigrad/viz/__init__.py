"""minigrad.viz: notebook widgets that make the course's ideas visible.

GraphViewer / draw_graph / graph_svg / to_dot (computation graphs and the backward pass), TrainingMonitor
(live curves and gradient norms), FeatureMapViewer (CNN activations and filters), OptimizerPlayground
(optimizers on 2-D loss surfaces), ConvExplainer (what stride, padding and dilation do).
"""

from minigrad.viz.conv import ConvExplainer
from minigrad.viz.features import FeatureMapViewer
from minigrad.viz.graph import GraphViewer, draw_graph, graph_svg, to_dot
from minigrad.viz.histograms import LayerHistograms
from minigrad.viz.playground import OptimizerPlayground
from minigrad.viz.training import TrainingMonitor

__all__ = [
    "ConvExplainer",
    "FeatureMapViewer",
    "GraphViewer",
    "LayerHistograms",
    "OptimizerPlayground",
    "TrainingMonitor",
    "draw_graph",
    "graph_svg",
    "to_dot",
]
