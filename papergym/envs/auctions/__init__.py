"""Auctions and autobidding: "Multi-channel Autobidding with Budget and ROI Constraints"
(ICML 2023, arXiv 2302.01523) and "Position Auctions in AI-Generated Content"
(arXiv 2506.03309).

Importing this package registers ``MultiChannelAutobidding-v0`` and ``PositionAuction-v0``;
the math lives in :mod:`papergym.envs.auctions.channels` and
:mod:`papergym.envs.auctions.position_mechanisms` (imported on use: scipy stays out of
``import papergym``).
"""

from papergym.envs.registration import register_env

PAPER = ("Multi-channel Autobidding with Budget and ROI Constraints (ICML 2023, arXiv "
         "2302.01523); Position Auctions in AI-Generated Content (arXiv 2506.03309)")

register_env("auctions", PAPER, "MultiChannelAutobidding-v0",
             "papergym.envs.auctions.autobidding:MultiChannelAutobiddingEnv",
             vector_entry_point="papergym.envs.auctions.autobidding:"
                                "MultiChannelAutobiddingVectorEnv")
register_env("auctions", PAPER, "PositionAuction-v0",
             "papergym.envs.auctions.position_auction:PositionAuctionEnv")

__all__ = ["PAPER"]
