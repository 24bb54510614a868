"""Reach people: status-change alerts after each publish and scheduled digests, over Slack,
Microsoft Teams and e-mail (DESIGN §8). Sending never fails a run that published.

- `alerts`: which status changes to tell whom, once (the ledger);
- `digest`: the scheduled summary with the page as PDF or link;
- `messages`: what a message says and how each channel spells it;
- `channels`: sending, with retries; `ledger`: what was sent.
"""
