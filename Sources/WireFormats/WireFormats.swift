import Governance
